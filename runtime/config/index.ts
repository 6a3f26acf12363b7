export { loadConfig, parseFsync, type ConfigSources } from './loadConfig.ts';

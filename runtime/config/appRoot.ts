/**
 * The app's folder (package.json, bin/, examples/): the parent of the source folders, also when
 * they run compiled from `dist/` (`npm run build`; `npm test` starts its nodes that way).
 * @example new URL('examples/root/', appRootUrl)
 */
export const appRootUrl: URL = new URL(import.meta.url.endsWith('.js') ? '../../../' : '../../', import.meta.url);

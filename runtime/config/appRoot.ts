/** Whether this code runs compiled, from `dist/` (`npm run build`; `bin/ain.js` with AIN_COMPILED=1), rather than its TypeScript sources through tsx. */
export const appCompiled: boolean = import.meta.url.endsWith('.js');

/**
 * The app's folder (package.json, bin/, examples/): the parent of the source folders, also when
 * they run compiled from `dist/` (`npm run build`; `npm test` starts its nodes that way).
 * @example new URL('examples/root/', appRootUrl)
 */
export const appRootUrl: URL = new URL(appCompiled ? '../../../' : '../../', import.meta.url);

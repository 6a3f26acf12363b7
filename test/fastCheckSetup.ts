import fc from 'fast-check';

// Loaded by ava before every test file (ava.config.js `require`). A failing property says why it
// failed in its message, beside the seed and path that replay it: fast-check otherwise attaches
// the error as the `cause`, which ava's report leaves out, and a CI log then shows a
// counterexample with no reason.
fc.configureGlobal({ includeErrorInReport: true });

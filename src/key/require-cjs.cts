/** `require` for this build's dialect, to load CommonJS dependencies lazily from synchronous code. */
export const requireModule: (id: string) => unknown = require

/** The little of whatwg-url (the URL Standard's reference implementation) the tests use as a reference. */
declare module 'whatwg-url' {
  export class URL {
    constructor(input: string, base?: string)
    readonly hostname: string
  }
}

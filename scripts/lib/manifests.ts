/** The manifest helpers live in the library (constructs/manifests.ts) so the `testing` entry point ships them. */
export * from '../../constructs/manifests';

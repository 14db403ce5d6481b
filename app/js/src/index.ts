/**
 * The Spice TypeScript client: the Codama client generated from idl/spice.json (accounts,
 * instructions, types, errors, PDAs), the IDL's constants, and a thin hand-written layer of
 * what code generation cannot know. See README.md for the public API.
 */
export * from './generated';
export * from './generated/idl';
export * from './pda';
export * from './pages';
export * from './amount';
export * from './flows';
export * from './jobState';
export * from './errors';
export * from './events';

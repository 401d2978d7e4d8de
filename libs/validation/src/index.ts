export * from './rules';
export * from './fields';
export * from './limits';

export * from './errors';
export * from './parsers';
export * from './load-config';
export * from './home';
export * from './defaults';

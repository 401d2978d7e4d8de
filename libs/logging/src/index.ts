export * from './logger';
export * from './bounds';

export * from './archive-url';
export * from './probe';

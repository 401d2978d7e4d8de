export * from './sequence-visits';

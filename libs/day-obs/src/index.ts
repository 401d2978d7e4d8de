export * from './day-obs';

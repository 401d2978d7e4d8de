export * from './day-obs';
export * from './visit-nights';

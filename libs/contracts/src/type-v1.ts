export * from './gen/visitsarch/type/v1/arrow';
export * from './gen/visitsarch/type/v1/common';

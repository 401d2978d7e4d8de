module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/consdb-ingest-service', rootDir: __dirname };

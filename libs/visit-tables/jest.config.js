module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/visit-tables', rootDir: __dirname };

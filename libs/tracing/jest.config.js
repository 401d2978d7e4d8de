module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/tracing', rootDir: __dirname };

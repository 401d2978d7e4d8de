module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/logging', rootDir: __dirname };

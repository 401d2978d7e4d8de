module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/nightly-stats', rootDir: __dirname };

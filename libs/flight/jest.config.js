module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/flight', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/validation', rootDir: __dirname };

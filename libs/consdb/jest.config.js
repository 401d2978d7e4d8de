module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/consdb', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/storage', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/auth', rootDir: __dirname };

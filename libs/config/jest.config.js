module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/config', rootDir: __dirname };

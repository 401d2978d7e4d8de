module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/contracts', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/db', rootDir: __dirname };

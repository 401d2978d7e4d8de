module.exports = { ...require('../jest.preset.js'), displayName: 'visitsarch', rootDir: __dirname };

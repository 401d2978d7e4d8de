module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/metadata-service', rootDir: __dirname };

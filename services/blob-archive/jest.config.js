module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/blob-archive-service', rootDir: __dirname };

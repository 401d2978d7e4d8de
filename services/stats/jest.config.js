module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/stats-service', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/day-obs', rootDir: __dirname };

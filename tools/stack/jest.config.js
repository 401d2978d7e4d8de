module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/stack', rootDir: __dirname };

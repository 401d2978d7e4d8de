module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/arrow-ipc', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/gateway-service', rootDir: __dirname };

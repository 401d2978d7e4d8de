module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/grpc-client', rootDir: __dirname };

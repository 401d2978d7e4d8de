module.exports = { ...require('../../jest.preset.js'), displayName: '@visitsarch/grpc-server', rootDir: __dirname };

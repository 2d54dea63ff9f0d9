// solidity-coverage: mocks are test scaffolding, not product code.
module.exports = {
  skipFiles: ["mocks/"],
  configureYulOptimizer: true,
};

// Merged into @jupyterlab/builder's webpack config ("jupyterlab.webpackConfig").
// plotly.min.js ships minified: neither parse it for imports nor run terser over it again,
// which took most of the build's minute.
const TerserPlugin = require('terser-webpack-plugin');

module.exports = {
  module: { noParse: /plotly\.min\.js$/ },
  optimization: { minimizer: [new TerserPlugin({ exclude: /plotly/ })] },
};

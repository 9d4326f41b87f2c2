// Builds the web app in web/ into dist-web/, a static site that works from any static host
// (every URL is relative). The MNIST files and the default model are added at build time.
import { defineConfig, type Plugin } from 'vite';
import { webDataFiles } from './scripts/web-data.js';

/** Emits the data files into the build, and serves them from memory in `vite dev`. */
function webData(): Plugin {
  return {
    name: 'glassbox-web-data',
    generateBundle() {
      for (const file of webDataFiles()) {
        this.emitFile({ type: 'asset', fileName: file.fileName, source: file.source });
      }
    },
    configureServer(server) {
      const files = new Map(webDataFiles().map((file) => [`/${file.fileName}`, file.source]));
      server.middlewares.use((request, response, next) => {
        const source = files.get((request.url ?? '').split('?')[0]);
        if (source === undefined) return next();
        const json = request.url?.endsWith('.json') ?? false;
        response.setHeader('Content-Type', json ? 'application/json' : 'application/octet-stream');
        response.end(source);
      });
    },
  };
}

export default defineConfig({
  root: 'web',
  base: './',
  publicDir: false,
  plugins: [webData()],
  worker: { format: 'es' },
  build: {
    outDir: '../dist-web',
    emptyOutDir: true,
    target: 'es2022',
    // The data files are large on purpose; only code size is worth a warning.
    chunkSizeWarningLimit: 400,
  },
  server: { host: '127.0.0.1' },
});

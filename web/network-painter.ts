// Paints the network picture in a worker that owns its canvas (see scene.ts): the page records
// each frame's drawing calls and posts them here.
import { negative } from './palette.js';
import { ScenePainter, type Scene } from './scene.js';

let painter: ScenePainter | undefined;

self.addEventListener('message', (event: MessageEvent<{ canvas: OffscreenCanvas } | { scene: Scene }>) => {
  const message = event.data;
  if ('canvas' in message) painter = new ScenePainter(message.canvas, negative);
  else painter?.paint(message.scene);
});

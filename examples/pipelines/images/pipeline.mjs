// The image pipeline as a module: `roost pipeline run examples/pipelines/images/pipeline.mjs`.
// Each run that makes a new thumbnail publishes it to the bot feed `gallery`, which the gallery
// bot (examples/bots/gallery.js) posts.
import { definePipeline } from 'roost/pipelines';

export default definePipeline({
  name: 'images',
  steps: {
    gray: { kind: 'image.grayscale', inputs: { image: { file: 'photo.ppm' } }, outputs: ['image'] },
    thumb: {
      kind: 'image.shrink',
      params: { factor: 2 },
      inputs: { image: { from: 'gray.image' } },
      outputs: ['image'],
    },
    histogram: {
      kind: 'image.histogram',
      params: { bins: 4 },
      inputs: { image: { from: 'gray.image' } },
      outputs: ['bins'],
    },
  },
  publish: { feed: 'gallery', outputs: ['thumb.image'] },
});

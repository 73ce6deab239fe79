// Otto's app on a real socket for integration tests (shared with the fuzz targets under scripts/fuzz/).
export { type Listening, listen } from '../../scripts/lib/listen.ts';

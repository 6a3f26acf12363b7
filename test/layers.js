// The layers of STYLE.md as data, so test/checkLayers.js and eslint.config.js cannot drift apart.

/** Imports point down this list only: schemas <- log <- projections <- actors <- runtime. */
export const layers = ['schemas', 'log', 'projections', 'actors', 'runtime'];

/** Folders with no I/O, no clock and no randomness (the actors/ machines are folded like projections). */
export const pureLayers = ['schemas', 'projections', 'actors'];

/** Module names that do I/O, refused in the pure folders. */
export const ioModules = /^(node:|fs$|path$|http$|net$|child_process$|dockerode|kafkajs|libp2p|@libp2p\/|piscina|fastify|pino)/;

// THE renderer⇄host contract: import everything from here.
// - the tables (what methods and events exist, their zod schemas) and the types derived from them
// - createApiClient: the typed `api` object over any transport (renderer)
// - createApiDispatcher / createApiEventHub: the validating entry points every host uses
// Free of electron, vue and node-only imports by design; renderer/tsconfig.json type-checks it with DOM libs only.
export * from './api-table.js';
export * from './api-error.js';
export * from './api-client.js';
export * from './api-dispatcher.js';
export * from './api-event-hub.js';
export * from './system-api.js';
export * from './datasets-api.js';
export * from './runs-api.js';
export * from './checkpoints-api.js';
export * from './heatmaps-api.js';

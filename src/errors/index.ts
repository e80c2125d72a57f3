export * from './gameday-error.js';
export * from './validation-error.js';
export * from './action-error.js';
export * from './safety-error.js';

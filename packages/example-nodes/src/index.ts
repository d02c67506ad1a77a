export { orderStatus } from './orderStatus.js';

import { notAvailable } from '../not-available.js';

export default notAvailable('config show', 'part 1: config');

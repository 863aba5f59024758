import { notAvailable } from '../not-available.js';

export default notAvailable('history', 'part 1: memory');

import { notAvailable } from '../not-available.js';

export default notAvailable('search', 'part 1: memory');

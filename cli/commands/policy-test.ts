import { notAvailable } from '../not-available.js';

export default notAvailable('policy test', 'part 2: policy gate');

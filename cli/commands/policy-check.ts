import { notAvailable } from '../not-available.js';

export default notAvailable('policy check', 'part 2: policy gate');

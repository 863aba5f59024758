import { notAvailable } from '../not-available.js';

export default notAvailable('approve', 'part 5: the daemon');

import { notAvailable } from '../not-available.js';

export default notAvailable('status', 'part 5: the daemon');

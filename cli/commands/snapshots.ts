import { notAvailable } from '../not-available.js';

export default notAvailable('snapshots', 'part 3: recovery');
